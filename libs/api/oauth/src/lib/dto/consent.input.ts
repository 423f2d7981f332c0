import { IsBoolean } from 'class-validator';

/** The body of POST /oauth/interaction/:uid: the user's answer on the consent page. */
export class ConsentAnswerInput {
  @IsBoolean({ message: 'approve must be true or false' })
  approve!: boolean;
}
